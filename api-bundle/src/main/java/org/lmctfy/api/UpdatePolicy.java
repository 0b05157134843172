package org.lmctfy.api;

/** How {@link Container#update} applies a spec (lmctfy's Container::UpdatePolicy). */
public enum UpdatePolicy {
  /** Only the fields set in the spec change; it may name only resources the container isolates. */
  DIFF,
  /** The spec replaces the whole configuration; it must name every isolated resource; unset fields reset. */
  REPLACE
}
