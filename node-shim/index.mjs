import connguard from './index.js';

export const {
  DEFAULT_POLICY,
  Decision,
  Limiter,
  PolicyError,
  PolicySet,
  PoolTimeoutError,
  QueueTimeoutError,
  Schedule,
  SplitMix64,
  classify,
  codeInfo,
  consoleLogger,
  createConnection,
  createPool,
  errorCode,
  formatDuration,
  giveUpInfo,
  isNetworkError,
  loadPolicy,
  maskDsn,
  parseDuration,
  parsePolicy,
  resolvePolicy,
  retryCall,
} = connguard;
export default connguard;
