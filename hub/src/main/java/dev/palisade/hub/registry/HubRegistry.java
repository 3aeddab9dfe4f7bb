package dev.palisade.hub.registry;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The hub's registry: CAs, devices and the audit log. The default implementation is
 * {@link SqliteHubRegistry}, an embedded database; a hub that outgrows one machine implements
 * this interface on a server database shared by every broker node.
 *
 * <p>Contract for implementations: every method is atomic (one transaction) and safe to call
 * from several threads and several processes at once; nothing is cached across calls, so a
 * change made by one process is seen by the next call in another. Methods throw
 * {@link RegistryException} with {@link RegistryException.Reason#UNAVAILABLE} when the store
 * cannot be used.
 */
public interface HubRegistry extends AutoCloseable {

    /** Adds a CA. @throws RegistryException CONFLICT if its name or thumbprint is registered */
    void addCa(CaRecord ca) throws RegistryException;

    Optional<CaRecord> findCa(String name) throws RegistryException;

    Optional<CaRecord> findCaByThumbprint(String thumbprint) throws RegistryException;

    /** Every CA, ordered by name. */
    List<CaRecord> listCas() throws RegistryException;

    /** Replaces the CA's outstanding verification code. @throws RegistryException NOT_FOUND */
    void setVerificationCode(String caName, String code, Instant issued, Instant expires) throws RegistryException;

    /**
     * Atomically consumes the CA's outstanding code: only if the CA is {@link CaStatus#PENDING},
     * its current code equals {@code code} and has not expired at {@code now}, the CA becomes
     * {@link CaStatus#VERIFIED}, the code is cleared and remembered as used.
     *
     * @return true if this call consumed the code; false if any condition no longer held (a
     *         concurrent verification won, or the code changed or expired)
     */
    boolean consumeVerificationCode(String caName, String code, Instant now) throws RegistryException;

    /** Whether {@code code} was consumed by an earlier verification (for naming a replay). */
    boolean wasCodeUsed(String code) throws RegistryException;

    /** @throws RegistryException NOT_FOUND */
    void setCaStatus(String caName, CaStatus status) throws RegistryException;

    /** @return false if there was no such CA */
    boolean removeCa(String caName) throws RegistryException;

    /** Adds a device. @throws RegistryException CONFLICT if the id or a thumbprint is registered */
    void addDevice(DeviceRecord device) throws RegistryException;

    Optional<DeviceRecord> findDevice(String id) throws RegistryException;

    /** The self-signed device whose primary or secondary thumbprint this is. */
    Optional<DeviceRecord> findDeviceByThumbprint(String thumbprint) throws RegistryException;

    /** Every device, ordered by id. */
    List<DeviceRecord> listDevices() throws RegistryException;

    /** @return false if there was no such device */
    boolean removeDevice(String id) throws RegistryException;

    /** Appends to the audit log. */
    void audit(AuditEntry entry) throws RegistryException;

    /** The newest {@code limit} entries, oldest first. */
    List<AuditEntry> auditLog(int limit) throws RegistryException;

    /**
     * A number that changes whenever the set of certificates the TLS layer must accept changes
     * (a CA or self-signed device added, removed or re-statused). Cheap; polled by the broker.
     */
    long trustGeneration() throws RegistryException;

    @Override
    void close();
}
