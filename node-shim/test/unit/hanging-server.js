'use strict';
// Servers on 127.0.0.1 that accept connections and then never answer: the
// case a connect timeout exists for. `silent` writes nothing; `greeting`
// sends a MariaDB handshake, so the client gets halfway through it (its
// login goes unanswered).

const net = require('node:net');

const u16 = (n) => Buffer.from([n & 0xff, n >>> 8]);

// HandshakeV10 (the server's first packet): PROTOCOL_41, SECURE_CONNECTION,
// PLUGIN_AUTH and the usual client flags; mysql_native_password.
function handshakePacket() {
  const caps = 0x000ba20f;
  const scramble = Buffer.alloc(20, 0x61);
  const payload = Buffer.concat([
    Buffer.from([10]), Buffer.from('5.5.5-10.11.6-MariaDB\0'), Buffer.from([1, 0, 0, 0]),
    scramble.subarray(0, 8), Buffer.from([0]), u16(caps & 0xffff), Buffer.from([33]), u16(2), u16(caps >>> 16),
    Buffer.from([21]), Buffer.alloc(10), scramble.subarray(8), Buffer.from([0]), Buffer.from('mysql_native_password\0'),
  ]);
  const header = Buffer.from([payload.length & 0xff, (payload.length >>> 8) & 0xff, payload.length >>> 16, 0]);
  return Buffer.concat([header, payload]);
}

/**
 * Listens on 127.0.0.1, a port of its own; `accepted` counts connections,
 * `received` the bytes clients sent (a login after the greeting), `open()`
 * the sockets not yet closed. close() ends every socket.
 */
async function hangingServer(kind) {
  const sockets = new Set();
  const server = net.createServer((socket) => {
    hanging.accepted += 1;
    sockets.add(socket);
    socket.on('data', (data) => {
      hanging.received += data.length;
    });
    socket.on('error', () => {}); // the client's cut-off resets it
    socket.on('close', () => sockets.delete(socket));
    if (kind === 'greeting') socket.write(handshakePacket());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hanging = {
    port: server.address().port,
    accepted: 0,
    received: 0,
    open: () => sockets.size,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
  return hanging;
}

module.exports = { hangingServer };
