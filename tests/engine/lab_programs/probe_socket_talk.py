"""A server thread echoes what one client thread sends, message by message."""
import socket
import threading

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)


def server():
    conn, _ = listener.accept()
    while True:
        data = conn.recv(16)
        if not data:
            break
        conn.sendall(data.upper())
    conn.close()


def client():
    sock = socket.socket()
    sock.connect(listener.getsockname())
    for word in ("hello", "sockets", "and a longer message than sixteen bytes"):
        sock.sendall(word.encode())
        answer = b""
        while len(answer) < len(word):
            answer += sock.recv(1024)
        print(answer.decode())
    sock.close()


threads = [threading.Thread(target=server, name="server"),
           threading.Thread(target=client, name="client")]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
listener.close()
