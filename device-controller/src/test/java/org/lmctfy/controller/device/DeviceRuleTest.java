package org.lmctfy.controller.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lmctfy.core.testing.Specs.spec;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lmctfy.api.ContainerException;
import org.lmctfy.api.StatusCode;

class DeviceRuleTest {
  private static List<DeviceRule> rules(String restrictions) throws Exception {
    return DeviceRule.fromSpec(spec("device { restrictions_set { " + restrictions + " } }").getDevice());
  }

  private static void invalid(String restrictions, String field) {
    assertThatThrownBy(() -> DeviceEmulator.of(rules(restrictions))).isInstanceOfSatisfying(ContainerException.class,
        e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT)).hasMessageContaining(field);
  }

  @Test
  void rulesBecomeV1Lines() throws Exception {
    assertThat(rules("restrictions { permission: DENY type: DEVICE_ALL access: READ }"
        + " restrictions { permission: ALLOW type: DEVICE_CHAR access: READ access: WRITE major: 1 minor: 3 }"
        + " restrictions { permission: ALLOW type: DEVICE_BLOCK access: MKNOD }"
        + " restrictions { permission: DENY type: DEVICE_CHAR access: READ major: 136 }").stream()
        .map(DeviceRule::toString).toList())
        .containsExactly("deny a *:* rwm", "allow c 1:3 rw", "allow b *:* m", "deny c 136:* r");
  }

  @Test
  void badRulesNameTheField() {
    invalid("restrictions { type: DEVICE_CHAR access: READ }", "restrictions[0].permission");
    invalid("restrictions { permission: DENY access: READ }", "restrictions[0].type");
    invalid("restrictions { permission: DENY type: DEVICE_ALL access: READ } restrictions { permission: ALLOW"
        + " type: DEVICE_CHAR major: 1 }", "restrictions[1].access is empty");
    invalid("restrictions { permission: ALLOW type: DEVICE_CHAR access: READ minor: 3 }",
        "restrictions[0].major is required when minor is given");
    invalid("restrictions { permission: ALLOW type: DEVICE_CHAR access: READ major: 1 minor: -1 }",
        "restrictions[0].minor must be within");
    invalid("restrictions { permission: ALLOW type: DEVICE_CHAR access: READ major: -4 }",
        "restrictions[0].major must be within");
    invalid("restrictions { permission: ALLOW type: DEVICE_ALL access: READ major: 1 }", "restrictions[0]: type DEVICE_ALL");
  }

  @Test
  void aHoleInAWildcardRuleIsRefusedAsRuncDoes() {
    invalid("restrictions { permission: DENY type: DEVICE_ALL access: READ }"
        + " restrictions { permission: ALLOW type: DEVICE_CHAR access: READ major: 1 }"
        + " restrictions { permission: DENY type: DEVICE_CHAR access: READ major: 1 minor: 9 }",
        "restrictions[2] (deny c 1:9 r) would punch a hole in the wildcard rule");
  }

  @Test
  void theEmulatorKeepsV1Semantics() throws Exception {
    DeviceEmulator e = DeviceEmulator.of(rules("restrictions { permission: DENY type: DEVICE_ALL access: READ }"
        + " restrictions { permission: ALLOW type: DEVICE_CHAR access: READ major: 1 minor: 9 }"
        + " restrictions { permission: ALLOW type: DEVICE_CHAR access: WRITE major: 1 minor: 9 }"
        + " restrictions { permission: ALLOW type: DEVICE_CHAR access: READ major: 1 minor: 3 }"
        + " restrictions { permission: DENY type: DEVICE_CHAR access: READ major: 1 minor: 3 }"));
    assertThat(e.rules().stream().map(DeviceRule::toString).toList())
        .containsExactly("deny a *:* rwm", "allow c 1:9 rw");
    assertThat(DeviceRule.parseListLine("c 1:9 rw")).isEqualTo(new DeviceRule('c', 1, 9, 6, true));
    assertThat(DeviceRule.parseListLine("a *:* rwm")).isEqualTo(DeviceRule.ALLOW_ALL);
    assertThat(DeviceRule.toSpec(e.rules()).getRestrictionsSet().getRestrictions(1).getAccessList()).hasSize(2);
  }
}
