import type { ShardConfig } from '../../src/shared/protocol.js';

/** A shard configuration for tests that start shard workers directly: short backoffs, one-second polls. */
export const shardConfig: ShardConfig = {
  shardIndex: 0,
  probeId: 'abcdef0123456789',
  apiVersion: '1',
  pollIntervalMs: 1_000,
  pollSlotMs: 1,
  backgroundNice: 0,
  timeoutMs: 500,
  maxResponseBytes: 1 << 20,
  maxNodesPerReport: 100,
  maxConcurrentPolls: 8,
  handshakeRetryInitialMs: 50,
  handshakeRetryMaxMs: 200,
  failureBackoffMaxMs: 400,
  accumulate: 0,
};
