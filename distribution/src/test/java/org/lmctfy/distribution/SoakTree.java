package org.lmctfy.distribution;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The soak's container names and what the clients believe of them: a small pool (components a–d, up to 3
 * deep, so that clients collide on names), the names last seen to exist (a hint, stale as soon as another
 * client acts) and the resources each was created isolating (so that most updates name the right ones).
 */
final class SoakTree {
  static final List<String> COMPONENTS = List.of("a", "b", "c", "d");
  static final int MAX_DEPTH = 3;

  private final Set<String> known = new ConcurrentSkipListSet<>();
  private final Map<String, Set<String>> resources = new ConcurrentHashMap<>();

  /** Whether a name is one the clients play with (not the test's own sentinel container). */
  static boolean inPool(String name) {
    String[] parts = name.substring(1).split("/");
    if (parts.length > MAX_DEPTH) {
      return false;
    }
    for (String p : parts) {
      if (!COMPONENTS.contains(p)) {
        return false;
      }
    }
    return true;
  }

  static int depth(String name) {
    return name.equals("/") ? 0 : name.split("/").length - 1;
  }

  void created(String name, Set<String> isolated) {
    known.add(name);
    resources.put(name, isolated);
  }

  void destroyed(String name) {
    known.removeIf(n -> n.equals(name) || n.startsWith(name + "/"));
  }

  /** A full recursive listing: the hint becomes exactly that. */
  void listed(Collection<String> names) {
    List<String> mine = new ArrayList<>();
    for (String n : names) {
      if (inPool(n)) {
        mine.add(n);
      }
    }
    known.retainAll(mine);
    known.addAll(mine);
  }

  /** The resources {@code name} was last created isolating, or null when unknown. */
  Set<String> resourcesOf(String name) {
    return resources.get(name);
  }

  /** A name believed to exist, or a random one when none is. */
  String existing(Random r) {
    List<String> k = new ArrayList<>(known);
    return k.isEmpty() ? random(r) : k.get(r.nextInt(k.size()));
  }

  /** Any name of the pool, 1 to 3 deep. */
  String random(Random r) {
    StringBuilder b = new StringBuilder();
    int depth = 1 + r.nextInt(MAX_DEPTH);
    for (int i = 0; i < depth; i++) {
      b.append('/').append(COMPONENTS.get(r.nextInt(COMPONENTS.size())));
    }
    return b.toString();
  }

  /** Mostly a child of a container believed to exist (or of /), so that the tree grows; else any name. */
  String toCreate(Random r) {
    if (r.nextInt(10) < 3) {
      return random(r);
    }
    List<String> parents = new ArrayList<>(List.of("/"));
    for (String n : known) {
      if (depth(n) < MAX_DEPTH) {
        parents.add(n);
      }
    }
    String parent = parents.get(r.nextInt(parents.size()));
    return (parent.equals("/") ? "" : parent) + "/" + COMPONENTS.get(r.nextInt(COMPONENTS.size()));
  }
}
