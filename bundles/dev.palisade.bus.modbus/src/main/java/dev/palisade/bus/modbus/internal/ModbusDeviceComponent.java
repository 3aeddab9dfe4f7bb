package dev.palisade.bus.modbus.internal;

import java.util.Map;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Modbus device per factory configuration {@code dev.palisade.bus.modbus.device}. A change
 * is applied in place (the device's service stays registered); a deleted configuration removes
 * the device. An invalid configuration fails this component only, with a log line naming the
 * device and the field (not an exception: SCR would log a stack trace and nothing more); the
 * other devices go on.
 */
@Component(configurationPid = ModbusDeviceComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {}, immediate = true)
@Designate(ocd = DeviceConfig.class, factory = true)
public final class ModbusDeviceComponent {

    static final String PID = "dev.palisade.bus.modbus.device";

    private static final Logger LOG = LoggerFactory.getLogger(ModbusDeviceComponent.class);

    private final ModbusBus bus;
    private final String pid;

    /**
     * @param bus the bus that runs the device
     * @param config the device's configuration
     * @param properties for the configuration's PID
     */
    @Activate
    public ModbusDeviceComponent(@Reference ModbusBus bus, DeviceConfig config, Map<String, Object> properties) {
        this.bus = bus;
        this.pid = String.valueOf(properties.get(Constants.SERVICE_PID));
        apply(config);
    }

    @Modified
    void modified(DeviceConfig config) {
        apply(config);
    }

    private void apply(DeviceConfig config) {
        DeviceSettings settings;
        try {
            settings = DeviceSettings.from(config, pid);
            bus.put(pid, settings);
        } catch (IllegalArgumentException e) {
            // The message names the device and the field; the stack trace would add nothing.
            LOG.error("{} - the device is not started; fix its configuration", e.getMessage());
            bus.remove(pid, true);
        }
    }

    /** ComponentConstants.DEACTIVATION_REASON_CONFIGURATION_DELETED (DS 1.1), without importing the DS API. */
    private static final int CONFIGURATION_DELETED = 4;

    @Deactivate
    void deactivate(int reason) {
        boolean deleted = reason == CONFIGURATION_DELETED;
        bus.remove(pid, deleted);
    }
}
