package org.lmctfy.core;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.lmctfy.api.ContainerException;
import org.lmctfy.spi.EventProbe;
import org.lmctfy.spi.ResourceHandler;
import org.lmctfy.spi.ResourceHandlerFactory;

/**
 * Wraps a controller's factory, and every handler and probe it hands out, so that an operation caught in a
 * swap fails cleanly (ARCHITECTURE.md § Hot-swap contract): once the controller's service is gone, a failure of its code (a class its
 * refreshed bundle can no longer load, an exception of a stopped component) becomes UNAVAILABLE naming the
 * resource; while it is registered, an unexpected exception becomes INTERNAL naming it. Never a raw stack
 * trace, never an Error escaping into the caller.
 */
final class Guard implements InvocationHandler {
  private final Object target;
  private final String resource;
  private final AtomicBoolean gone;

  private Guard(Object target, String resource, AtomicBoolean gone) {
    this.target = target;
    this.resource = resource;
    this.gone = gone;
  }

  /** A guarded factory and the switch that marks it gone. */
  record Guarded(ResourceHandlerFactory factory, AtomicBoolean gone) {}

  static Guarded factory(ResourceHandlerFactory f) {
    AtomicBoolean gone = new AtomicBoolean();
    return new Guarded((ResourceHandlerFactory) wrap(f, f.resource(), gone), gone);
  }

  private static Object wrap(Object target, String resource, AtomicBoolean gone) {
    Set<Class<?>> spi = new LinkedHashSet<>();
    for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
      collect(c, spi);
    }
    return Proxy.newProxyInstance(Guard.class.getClassLoader(), spi.toArray(new Class<?>[0]),
        new Guard(target, resource, gone));
  }

  /** The SPI interfaces a controller's object implements (capabilities included). */
  private static void collect(Class<?> c, Set<Class<?>> out) {
    for (Class<?> i : c.getInterfaces()) {
      if (i.getPackageName().startsWith("org.lmctfy.spi")) {
        out.add(i);
      }
      collect(i, out);
    }
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    if (method.getDeclaringClass() == Object.class) {
      switch (method.getName()) {
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        default:
          return "guarded " + target;
      }
    }
    Object result;
    try {
      result = method.invoke(target, args);
    } catch (InvocationTargetException e) {
      Throwable t = e.getCause();
      if (t instanceof ContainerException || !(t instanceof RuntimeException || t instanceof LinkageError)) {
        throw t;
      }
      boolean checked = Arrays.asList(method.getExceptionTypes()).contains(ContainerException.class);
      if (!checked) {
        throw t instanceof RuntimeException ? t : new IllegalStateException(t);
      }
      if (gone.get()) {
        throw ContainerException.unavailable("The " + resource + " controller went away during the operation"
            + " (bundle stopped, updated or uninstalled); retry: " + t.getClass().getSimpleName() + ": "
            + t.getMessage());
      }
      throw ContainerException.internal("The " + resource + " controller failed in " + method.getName() + ": " + t, t);
    }
    return guardResult(result);
  }

  private Object guardResult(Object result) {
    if (result instanceof ResourceHandler || result instanceof EventProbe) {
      return wrap(result, resource, gone);
    }
    if (result instanceof Optional<?> o && o.isPresent()
        && (o.get() instanceof ResourceHandler || o.get() instanceof EventProbe)) {
      return Optional.of(wrap(o.get(), resource, gone));
    }
    return result;
  }
}
