/** Redis runs in cluster mode, but the key prefix has no hash tag: the runtime's keys would spread over slots. */
export class RedisModeError extends Error {
  constructor(readonly keyPrefix: string) {
    super(
      `Redis runs in cluster mode, but HIVE_KEY_PREFIX '${keyPrefix}' has no hash tag: set it to one such as '{${keyPrefix.replace(/[{}]/g, '') || 'hive'}}' so every key lands in one slot`,
    );
    this.name = 'RedisModeError';
  }
}
