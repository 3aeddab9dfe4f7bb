package dev.palisade.bus.modbus.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Merges a device's channels into as few read requests as the protocol allows: channels of one
 * kind whose addresses are at most {@code maxGap} items apart share a request, as long as the
 * request stays within the kind's limit (125 registers, 2000 bits) and the device's own limit.
 * Unused items inside a gap are read and ignored; a gap is worth it because a request costs a
 * round trip while an extra register costs two bytes.
 */
final class ReadPlan {

    /** One read request and the channels it covers. */
    record Block(RegisterKind kind, int start, int count, List<ChannelSpec> channels) {

        byte[] request() {
            return Pdu.read(kind, start, count);
        }

        @Override
        public String toString() {
            return kind.configName() + " " + start + "+" + count;
        }
    }

    private ReadPlan() {
    }

    /**
     * @param channels the device's channels
     * @param maxGap unused items allowed between two channels in one request; 0 merges only
     *        adjacent channels; negative disables merging
     * @param maxRegisters the device's limit for registers per request (at most 125)
     * @param maxBits the device's limit for coils or discrete inputs per request (at most 2000)
     * @return the requests, by kind then address
     */
    static List<Block> plan(List<ChannelSpec> channels, int maxGap, int maxRegisters, int maxBits) {
        List<Block> blocks = new ArrayList<>();
        for (RegisterKind kind : RegisterKind.values()) {
            int limit = Math.min(kind.maxPerRequest, kind.bits ? maxBits : maxRegisters);
            List<ChannelSpec> ofKind = channels.stream().filter(c -> c.kind() == kind)
                    .sorted(Comparator.comparingInt(ChannelSpec::address)).toList();
            List<ChannelSpec> current = new ArrayList<>();
            int start = 0;
            int end = 0; // exclusive
            for (ChannelSpec channel : ofKind) {
                int channelEnd = channel.address() + channel.count();
                boolean fits = !current.isEmpty() && maxGap >= 0 && channel.address() - end <= maxGap
                        && Math.max(end, channelEnd) - start <= limit;
                if (!fits && !current.isEmpty()) {
                    blocks.add(new Block(kind, start, end - start, List.copyOf(current)));
                    current.clear();
                }
                if (current.isEmpty()) {
                    start = channel.address();
                    end = channelEnd;
                    if (channel.count() > limit) {
                        throw new IllegalArgumentException("channel '" + channel.name() + "' spans " + channel.count()
                                + " items, more than the device's limit of " + limit + " per request");
                    }
                } else {
                    end = Math.max(end, channelEnd);
                }
                current.add(channel);
            }
            if (!current.isEmpty()) {
                blocks.add(new Block(kind, start, end - start, List.copyOf(current)));
            }
        }
        return List.copyOf(blocks);
    }
}
