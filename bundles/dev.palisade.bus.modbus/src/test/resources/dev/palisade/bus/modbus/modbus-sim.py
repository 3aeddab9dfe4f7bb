#!/usr/bin/python3
"""A Modbus device simulator on pymodbus 3.0 (Debian python3-pymodbus) for Palisade's tests,
benchmarks and demo. Run it with /usr/bin/python3 (a pyenv shim cannot import pymodbus).

    modbus-sim.py tcp PORT
    modbus-sim.py rtu SERIAL_DEVICE [BAUD]      (8N1, RTU framing)
    modbus-sim.py tls PORT CERT KEY CA          (Modbus/TCP Security: mutual TLS, MBAP inside)

Addresses are 0-based protocol addresses with no offset (zero_mode=True; pymodbus' default
would shift every address by one). The register map is fixed, see LAYOUT below and
docs/modbus.md; registers 100-199 count up once per second so that readings change.
"""
import ssl
import struct
import sys
import threading
import time

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusSlaveContext, ModbusServerContext
from pymodbus.server import StartTcpServer, StartSerialServer, StartTlsServer
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer

N = 2000


def words(fmt, value):
    data = struct.pack(">" + fmt, value)
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


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
bits = [i % 2 for i in range(N)]

store = ModbusSlaveContext(di=ModbusSequentialDataBlock(0, list(bits)),
                           co=ModbusSequentialDataBlock(0, list(bits)),
                           hr=ModbusSequentialDataBlock(0, hr),
                           ir=ModbusSequentialDataBlock(0, ir), zero_mode=True)
context = ModbusServerContext(slaves=store, single=True)


def tick():
    while True:
        time.sleep(1)
        values = store.getValues(3, 100, 100)
        store.setValues(3, 100, [(v + 1) & 0xFFFF for v in values])


def main():
    mode = sys.argv[1]
    threading.Thread(target=tick, daemon=True).start()
    if mode == "tcp":
        StartTcpServer(context=context, address=("127.0.0.1", int(sys.argv[2])), allow_reuse_address=True)
    elif mode == "rtu":
        baud = int(sys.argv[3]) if len(sys.argv) > 3 else 9600
        # The serial server's default framer is ASCII: RTU must be asked for.
        StartSerialServer(context=context, framer=ModbusRtuFramer, port=sys.argv[2], baudrate=baud,
                          bytesize=8, parity="N", stopbits=1, timeout=0.005)
    elif mode == "tls":
        sslctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sslctx.minimum_version = ssl.TLSVersion.TLSv1_2
        sslctx.load_cert_chain(sys.argv[3], sys.argv[4])
        sslctx.load_verify_locations(sys.argv[5])
        sslctx.verify_mode = ssl.CERT_REQUIRED
        # pymodbus 3.0's TLS framer drops the MBAP header, which the spec keeps: use the socket framer.
        StartTlsServer(context=context, address=("127.0.0.1", int(sys.argv[2])), sslctx=sslctx,
                       framer=ModbusSocketFramer, allow_reuse_address=True)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
