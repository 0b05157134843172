package org.lmctfy.api;

/** Whether a listing covers only the container itself or its whole subtree (lmctfy's ListPolicy). */
public enum ListPolicy {
  SELF,
  RECURSIVE
}
