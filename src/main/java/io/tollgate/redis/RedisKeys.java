package io.tollgate.redis;

/**
 * The names of the keys under one prefix (docs/scale-out.md, "Keys"): the epoch, the holds by expiry, a counter, a
 * hold.
 */
record RedisKeys(String prefix) {
  String epoch() {
    return prefix + "epoch";
  }

  String holds() {
    return prefix + "holds";
  }

  String counter(String counter) {
    return prefix + "c:" + counter;
  }

  String hold(String holdId) {
    return prefix + "h:" + holdId;
  }

  /** The prefix of every hold's key, for the sweep. */
  String holdPrefix() {
    return prefix + "h:";
  }
}
