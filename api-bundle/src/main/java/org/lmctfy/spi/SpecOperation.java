package org.lmctfy.spi;

/** What a spec is validated for. */
public enum SpecOperation {
  CREATE,
  UPDATE_DIFF,
  UPDATE_REPLACE
}
