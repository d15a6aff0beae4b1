'use strict';
// Events (docs/spec.md 8.1): what calls and gates tell whoever listens, on one
// node:diagnostics_channel channel per event name, `connguard:<name>`. A
// message is a plain object with the spec's fields: `name`, then `service` and
// `target` (masked, as log lines print it) for a call's events, `server` (the
// gate's key) for a gate's. Each emitter checks its channel's hasSubscribers
// first and takes only values its caller already has, so with nobody
// listening an event site builds nothing.

const dc = require('node:diagnostics_channel');
const { maskDsn } = require('./dsn');

const NAMES = ['granted', 'attempt', 'failed', 'retry', 'give_up', 'connected', 'released', 'limit'];

/** The channel name of each event: `connguard:<name>`. */
const CHANNELS = Object.freeze(Object.fromEntries(NAMES.map((name) => [name, `connguard:${name}`])));

const channel = Object.fromEntries(NAMES.map((name) => [name, dc.channel(CHANNELS[name])]));

// A call's `source` is its Reporter (lib/report.js): the service and target its log lines name.
const service = (source) => source.service || 'default';
const target = (source) => (source.target ? maskDsn(source.target) : '-');

/** A gated call's wait returned a turn, `waited` seconds after it joined or went back to the queue. */
function granted(source, waited) {
  if (channel.granted.hasSubscribers) {
    channel.granted.publish({ name: 'granted', service: service(source), target: target(source), waited });
  }
}

/** Attempt `attempt` (1 for the first) starts. */
function attempt(source, attempt) {
  if (channel.attempt.hasSubscribers) {
    channel.attempt.publish({ name: 'attempt', service: service(source), target: target(source), attempt });
  }
}

/**
 * Attempt `attempt` failed with `code` (null: network) at `elapsed`; `actions`
 * are the call's answer, whose retry or give_up tells the class.
 */
function failed(source, attempt, code, actions, elapsed) {
  if (channel.failed.hasSubscribers) {
    const verdict = actions.find((action) => action.do === 'retry' || action.do === 'give_up');
    channel.failed.publish({ name: 'failed', service: service(source), target: target(source), attempt, code, class: verdict.class, elapsed });
  }
}

/** The call's retry action `r` (`delay` null: queued at the gate). */
function retry(source, r) {
  if (channel.retry.hasSubscribers) {
    const { attempt, delay, elapsed } = r;
    channel.retry.publish({ name: 'retry', service: service(source), target: target(source), attempt, delay, elapsed });
  }
}

/** The call's give_up action `g`. */
function giveUp(source, g) {
  if (channel.give_up.hasSubscribers) {
    const { reason, attempts, elapsed, code } = g;
    channel.give_up.publish({ name: 'give_up', service: service(source), target: target(source), reason, attempts, elapsed, code, class: g.class });
  }
}

/** The call's done action `d`: connected after `d.attempts` attempts. */
function connected(source, d) {
  if (channel.connected.hasSubscribers) {
    const { attempts, elapsed } = d;
    channel.connected.publish({ name: 'connected', service: service(source), target: target(source), attempts, elapsed });
  }
}

/** A gated connection's slot went back to the gate of `server`. */
function released(server) {
  if (channel.released.hasSubscribers) channel.released.publish({ name: 'released', server });
}

/** A limiter event changed the limit of `server`'s limiter: its state after the event. */
function limit(server, limiter) {
  if (channel.limit.hasSubscribers) {
    const { holding, inFlight, queue } = limiter;
    channel.limit.publish({ name: 'limit', server, limit: limiter.limit, holding, in_flight: inFlight.size, queued: queue.length });
  }
}

module.exports = { CHANNELS, attempt, connected, failed, giveUp, granted, limit, released, retry };
