"""socket: what bind, listen, accept, connect, send, recv and close return and raise."""
import socket

from shown import show

server = socket.socket()
show(lambda: server.bind(("127.0.0.1", 0)))
show(lambda: server.listen(1))
host, port = server.getsockname()
client = socket.socket()
show(lambda: client.connect((host, port)))
conn, address = server.accept()
print(address == client.getsockname(), type(conn).__name__, conn.family, conn.type)
show(lambda: client.send(b"hello"))
show(lambda: client.sendall(b" world"))
show(lambda: conn.recv(5))
show(lambda: conn.recv(100))
show(lambda: conn.sendall(memoryview(b"bye")))
show(lambda: client.recv(1024))
show(lambda: client.recv())                     # TypeError, in the real one's words
show(conn.close)
show(lambda: client.recv(10))                   # end of file: b''
show(client.close)
show(client.close)                              # twice is fine
show(lambda: client.recv(1))
show(lambda: client.send(b"x"))
with socket.socket() as spare:
    show(lambda: spare.bind(("127.0.0.1", 0)))
server.close()
refused = socket.socket()
show(lambda: refused.connect((host, port)))     # nobody listens there now
refused.close()
show(lambda: socket.socket().bind(("127.0.0.1", 70000)))
