package dev.palisade.distro;

import dev.palisade.api.bus.LeafDevice;
import dev.palisade.api.upstream.HubLink;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * For {@link BundleSwapLeakIT}: what must survive an update of an unrelated bundle — the other
 * bundles' threads (same objects), the Modbus devices (same services, same TCP connection) and
 * the link (same service, same connection to Mosquitto). Runs inside the framework.
 */
final class SwapSessions {

    final String updated;
    final ThreadCensus census;
    final Map<Thread, String> othersThreads = new LinkedHashMap<>();
    final List<String> unknownThreads = new ArrayList<>();
    final Map<String, Object> devices = new LinkedHashMap<>();
    final Map<String, Object> deviceServiceIds = new LinkedHashMap<>();
    final Set<Integer> deviceConnections;
    final Object linkServiceId;
    final Set<Integer> hubConnections;

    private SwapSessions(BundleSwapLeakIT test, String updated) {
        this.updated = updated;
        census = ThreadCensus.now();
        Collection<String> names = test.threadOwners();
        for (Thread thread : census.threads()) {
            String owner = ThreadCensus.ownerByName(thread.getName(), names);
            if (owner == null) {
                unknownThreads.add(thread.getName());
            } else if (!owner.isEmpty() && !owner.equals(updated) && thread.isAlive()) {
                othersThreads.put(thread, owner);
            }
        }
        for (String id : BundleSwapLeakIT.DEVICES) {
            devices.put(id, test.device(id));
            deviceServiceIds.put(id, test.serviceId(LeafDevice.class, "(" + LeafDevice.ID + "=" + id + ")"));
        }
        deviceConnections = ProcessResources.connectionsTo(test.modbusPort);
        linkServiceId = test.serviceId(HubLink.class, null);
        hubConnections = ProcessResources.connectionsTo(test.mosquittoPort);
    }

    static SwapSessions capture(BundleSwapLeakIT test, String updated) {
        return new SwapSessions(test, updated);
    }

    List<String> disturbedBy(String where, SwapSessions after) {
        List<String> problems = new ArrayList<>();
        unknownThreads.forEach(name -> problems.add(where + ": thread '" + name + "' is named for no installed Palisade"
                + " bundle (ThreadCensus maps roles to bundles)"));
        // The link depends on the identity: a withdrawn identity ends the connection made with it (upstream.md).
        boolean linkMayReconnect = BundleSwapLeakIT.IDENTITY.equals(updated);
        othersThreads.forEach((thread, owner) -> {
            if (!thread.isAlive() && !(linkMayReconnect && BundleSwapLeakIT.UPSTREAM.equals(owner))) {
                problems.add(where + ": the update ended thread '" + thread.getName() + "' of " + owner);
            }
        });
        if (!BundleSwapLeakIT.MODBUS.equals(updated)) {
            for (String id : BundleSwapLeakIT.DEVICES) {
                if (devices.get(id) != after.devices.get(id) || !deviceServiceIds.get(id).equals(after.deviceServiceIds.get(id))) {
                    problems.add(where + ": the Modbus device " + id + " was re-registered (service "
                            + deviceServiceIds.get(id) + " → " + after.deviceServiceIds.get(id) + ")");
                }
            }
            if (!deviceConnections.equals(after.deviceConnections)) {
                problems.add(where + ": the Modbus device's TCP connection changed (local ports " + deviceConnections
                        + " → " + after.deviceConnections + ")");
            }
        }
        if (!BundleSwapLeakIT.UPSTREAM.equals(updated)) {
            if (!linkServiceId.equals(after.linkServiceId)) {
                problems.add(where + ": the hub link was re-registered (service " + linkServiceId + " → "
                        + after.linkServiceId + ")");
            }
            if (!linkMayReconnect && !hubConnections.equals(after.hubConnections)) {
                problems.add(where + ": the link's connection to Mosquitto changed (local ports " + hubConnections
                        + " → " + after.hubConnections + ")");
            }
        }
        return problems;
    }
}
