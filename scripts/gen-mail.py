#!/usr/bin/env python3
"""Writes N realistic messages as maildir files: UTF-8 and windows-1251 Cyrillic, quoted-printable and base64,
threads via In-Reply-To, an attachment in every tenth message. Usage: gen-mail.py N DIR"""
import base64
import os
import quopri
import random
import sys

n, out = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(42)
words = ("монтаж вентиляции коммерческое предложение договор поставка объект замер счёт оплата сроки "
         "contract delivery invoice schedule meeting proposal").split()

for i in range(n):
    body = "\n".join(" ".join(rnd.choice(words) for _ in range(12)) for _ in range(rnd.randint(10, 60)))
    charset = "windows-1251" if i % 3 == 0 else "utf-8"
    encoded = quopri.encodestring(body.encode(charset, "replace")).decode()
    reply = f"In-Reply-To: <bench-{i - 1}@example.ru>\n" if i % 4 else ""
    name = "=?utf-8?b?" + base64.b64encode(f"Клиент {i % 500}".encode()).decode() + "?="
    subject = "=?utf-8?b?" + base64.b64encode(f"Заявка номер {i // 4}".encode()).decode() + "?="
    headers = (f"From: {name} <client{i % 500}@company{i % 97}.ru>\nTo: sales@nordwind.ru\n"
               f"Subject: {subject}\nMessage-ID: <bench-{i}@example.ru>\n{reply}"
               f"Date: Mon, 16 Nov 2026 10:{i % 60:02d}:00 +0300\nMIME-Version: 1.0\n")
    if i % 10 == 0:
        blob = base64.encodebytes(os.urandom(20000)).decode()
        msg = (headers + 'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
               f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: quoted-printable\n\n{encoded}\n"
               '--b\nContent-Type: application/pdf; name="offer.pdf"\nContent-Transfer-Encoding: base64\n\n'
               f"{blob}--b--\n")
    else:
        msg = headers + f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: quoted-printable\n\n{encoded}\n"
    with open(os.path.join(out, f"{1700000000 + i}.{i}.bench:2,"), "w", encoding="ascii", errors="replace") as f:
        f.write(msg.replace("\n", "\r\n"))
