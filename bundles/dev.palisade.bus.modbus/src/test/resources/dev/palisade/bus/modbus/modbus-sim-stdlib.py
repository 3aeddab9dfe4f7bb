#!/usr/bin/env python3
"""A small Modbus TCP device simulator on the Python 3 standard library alone, for
`./palisade demo` when pymodbus is not installed. It serves the same register map as
modbus-sim.py (the pymodbus simulator of the tests), so the demo's device reads the same:

    modbus-sim-stdlib.py PORT [HOST]        (HOST defaults to 127.0.0.1)

Function codes 1, 2, 3, 4 (reads), 5, 6, 15, 16 (writes); any unit id. Addresses are the
0-based protocol addresses; each table has 2000 entries. A request outside a table is answered
with exception 2 (ILLEGAL DATA ADDRESS), a bad quantity or value with 3, an unknown function
with 1, as a device would. Registers 100-199 count up once per second so that readings change.
Not a conformance tool: the tests use pymodbus.
"""
import socketserver
import struct
import sys
import threading
import time

N = 2000


def words(fmt, value):
    data = struct.pack(">" + fmt, value)
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


# The register map of modbus-sim.py (docs/modbus.md, "Testing with simulated devices").
hr = [0] * N
hr[0:2] = [0x1234, 0x5678]               # int32 0x12345678 in big/big order
hr[2:4] = words("f", 12.5)               # float32
hr[4:8] = words("d", -1234.5678)         # float64
hr[8] = 0xFFFE                           # int16 -2, uint16 65534
hr[9:11] = [0xFFFF, 0xFFFE]              # int32 -2, uint32 4294967294
hr[11:15] = words("q", -5000000000)      # int64
hr[20:24] = [0x5041, 0x4C49, 0x5341, 0x4445]  # "PALISADE"
hr[24] = 215                             # a temperature in 0.1 degC: 21.5
for i in range(100, 200):
    hr[i] = i
ir = [(10000 + i) & 0xFFFF for i in range(N)]
coils = [i % 2 for i in range(N)]
discrete = [i % 2 for i in range(N)]
lock = threading.Lock()


class ModbusError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def check(address, quantity, most):
    if quantity < 1 or quantity > most:
        raise ModbusError(3)
    if address + quantity > N:
        raise ModbusError(2)


def pack_bits(values):
    out = bytearray((len(values) + 7) // 8)
    for i, bit in enumerate(values):
        if bit:
            out[i // 8] |= 1 << (i % 8)
    return bytes(out)


def answer(pdu):
    """The response PDU to a request PDU; raises ModbusError for an exception response."""
    if not pdu:
        raise ModbusError(3)
    function = pdu[0]
    if function in (1, 2, 3, 4):
        if len(pdu) != 5:
            raise ModbusError(3)
        address, quantity = struct.unpack(">HH", pdu[1:5])
        if function in (1, 2):
            check(address, quantity, 2000)
            table = coils if function == 1 else discrete
            with lock:
                data = pack_bits(table[address:address + quantity])
        else:
            check(address, quantity, 125)
            table = hr if function == 3 else ir
            with lock:
                data = b"".join(struct.pack(">H", v) for v in table[address:address + quantity])
        return bytes([function, len(data)]) + data
    if function == 5:
        if len(pdu) != 5:
            raise ModbusError(3)
        address, value = struct.unpack(">HH", pdu[1:5])
        if value not in (0x0000, 0xFF00):
            raise ModbusError(3)
        check(address, 1, 1)
        with lock:
            coils[address] = 1 if value == 0xFF00 else 0
        return pdu
    if function == 6:
        if len(pdu) != 5:
            raise ModbusError(3)
        address, value = struct.unpack(">HH", pdu[1:5])
        check(address, 1, 1)
        with lock:
            hr[address] = value
        return pdu
    if function == 15:
        if len(pdu) < 6:
            raise ModbusError(3)
        address, quantity, count = struct.unpack(">HHB", pdu[1:6])
        check(address, quantity, 1968)
        if count != (quantity + 7) // 8 or len(pdu) != 6 + count:
            raise ModbusError(3)
        with lock:
            for i in range(quantity):
                coils[address + i] = (pdu[6 + i // 8] >> (i % 8)) & 1
        return pdu[:5]
    if function == 16:
        if len(pdu) < 6:
            raise ModbusError(3)
        address, quantity, count = struct.unpack(">HHB", pdu[1:6])
        check(address, quantity, 123)
        if count != 2 * quantity or len(pdu) != 6 + count:
            raise ModbusError(3)
        with lock:
            for i in range(quantity):
                hr[address + i] = struct.unpack(">H", pdu[6 + 2 * i:8 + 2 * i])[0]
        return pdu[:5]
    raise ModbusError(1)


class Connection(socketserver.BaseRequestHandler):
    def read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.request.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def handle(self):
        while True:
            header = self.read(7)
            if header is None:
                return
            transaction, protocol, length, unit = struct.unpack(">HHHB", header)
            if protocol != 0 or length < 2 or length > 254:
                return  # not Modbus: close, as a device would
            pdu = self.read(length - 1)
            if pdu is None:
                return
            try:
                response = answer(pdu)
            except ModbusError as e:
                response = bytes([(pdu[0] | 0x80) & 0xFF, e.code])
            self.request.sendall(struct.pack(">HHHB", transaction, 0, len(response) + 1, unit) + response)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def tick():
    while True:
        time.sleep(1)
        with lock:
            for i in range(100, 200):
                hr[i] = (hr[i] + 1) & 0xFFFF


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: modbus-sim-stdlib.py PORT [HOST]")
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    threading.Thread(target=tick, daemon=True).start()
    with Server((host, int(sys.argv[1])), Connection) as server:
        print("Modbus TCP simulator (Python standard library) on %s:%s" % (host, sys.argv[1]), flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
