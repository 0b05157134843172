package org.lmctfy.api;

/** How much {@link Container#stats} gathers (lmctfy's StatsType). */
public enum StatsType {
  SUMMARY,
  FULL
}
