package org.lmctfy.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.lmctfy.itests.InFramework.await;
import static org.lmctfy.itests.InFramework.bundle;
import static org.lmctfy.itests.InFramework.context;
import static org.lmctfy.itests.InFramework.jar;

import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.CoreOptions;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * lmctfyd's configuration bundle ({@code daemon-config}, which the daemon runs from {@code lib/osgi/}) in a real Felix
 * with ConfigAdmin and Felix's metatype service, as the distribution has them: PID {@code org.lmctfy.daemon} typed
 * and documented through metatype, a configuration's {@code log.level} applied live, a bad value refused naming its
 * key with nothing applied.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DaemonConfigIT {
  private static final String PID = "org.lmctfy.daemon";

  @Configuration
  public Option[] config() {
    return OptionUtils.combine(InFramework.config(),
        CoreOptions.bundle(jar("org.apache.felix.configadmin")),
        CoreOptions.bundle(jar("org.apache.felix.metatype")),
        CoreOptions.bundle(jar("daemon-config")));
  }

  private static <T> T service(Class<T> type) throws Exception {
    ServiceReference<T>[] ref = new ServiceReference[1];
    await(type.getSimpleName(), 10_000, () -> (ref[0] = context().getServiceReference(type)) != null);
    return context().getService(ref[0]);
  }

  @Test
  public void theMetatypeServiceTypesAndDocumentsTheDaemonsPid() throws Exception {
    MetaTypeInformation info = service(MetaTypeService.class)
        .getMetaTypeInformation(bundle("org.lmctfy.daemon.config"));
    assertEquals(List.of(PID), Arrays.asList(info.getPids()));
    ObjectClassDefinition ocd = info.getObjectClassDefinition(PID, null);
    Map<String, AttributeDefinition> ads = new TreeMap<>();
    for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
      ads.put(ad.getID(), ad);
    }
    assertEquals(List.of("log.level", "socket.group", "socket.mode", "socket.path"), List.copyOf(ads.keySet()));
    for (AttributeDefinition ad : ads.values()) {
      assertEquals(ad.getID(), AttributeDefinition.STRING, ad.getType());
      assertFalse(ad.getID() + " is documented", ad.getDescription() == null || ad.getDescription().isBlank());
    }
    assertEquals("/run/lmctfy/lmctfy.sock", ads.get("socket.path").getDefaultValue()[0]);
    assertEquals("0660", ads.get("socket.mode").getDefaultValue()[0]);
    assertEquals("INFO", ads.get("log.level").getDefaultValue()[0]);
    assertTrue(Arrays.asList(ads.get("log.level").getOptionValues()).containsAll(List.of("SEVERE", "INFO", "FINE")));
    // A tool checking a value against the metatype sees an unknown level as the daemon does.
    assertFalse(ads.get("log.level").validate("DEBUG").isEmpty());
    assertEquals("", ads.get("log.level").validate("FINE"));
  }

  @Test
  public void aConfigurationAppliesItsLogLevelLiveAndABadValueChangesNothing() throws Exception {
    Logger daemonLog = Logger.getLogger("lmctfyd");
    Level before = daemonLog.getLevel();
    Logger componentLog = Logger.getLogger("org.lmctfy.daemon.config.DaemonConfigComponent");
    List<String> warnings = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        warnings.add(r.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    componentLog.addHandler(capture);
    org.osgi.service.cm.Configuration c = service(ConfigurationAdmin.class).getConfiguration(PID, "?");
    try {
      c.update(properties("log.level", "FINE"));
      await("log.level FINE applied", 10_000, () -> daemonLog.getLevel() == Level.FINE);

      // A good level beside a bad mode: refused naming the key, and the level stays.
      c.update(properties("log.level", "SEVERE", "socket.mode", "rw-rw----"));
      await("the refusal logged", 10_000, () -> warnings.stream()
          .anyMatch(w -> w.contains("socket.mode = \"rw-rw----\" is not an octal mode")));
      assertEquals(Level.FINE, daemonLog.getLevel());

      c.update(properties("log.level", "WARNING"));
      await("log.level WARNING applied", 10_000, () -> daemonLog.getLevel() == Level.WARNING);
    } finally {
      c.delete();
      componentLog.removeHandler(capture);
      daemonLog.setLevel(before);
    }
  }

  private static Dictionary<String, Object> properties(String... keyValues) {
    Dictionary<String, Object> d = new Hashtable<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      d.put(keyValues[i], keyValues[i + 1]);
    }
    return d;
  }
}
