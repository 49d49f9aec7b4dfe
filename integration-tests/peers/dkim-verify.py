#!/usr/bin/python3
"""Verifies every DKIM signature of a message with dkimpy (Debian's python3-dkim), an implementation
independent of OpenDKIM, taking public keys from a file instead of DNS.

    dkim-verify.py KEYS MESSAGE

KEYS has lines "SELECTOR._domainkey.DOMAIN RECORD" (opendkim's TestPublicKeys format); MESSAGE is
the message file, exact bytes. Prints "pass" and exits 0 when the signature verifies; prints
"fail" with dkimpy's reason and exits 1 otherwise.
"""

import logging
import sys

import dkim


def main():
    keys_file, message_file = sys.argv[1:3]
    keys = {}
    with open(keys_file, encoding="ascii") as lines:
        for line in lines:
            name, _, record = line.strip().partition(" ")
            if name:
                keys[name.rstrip(".") + "."] = record.encode("ascii")
    with open(message_file, "rb") as message:
        data = message.read()
    log = logging.getLogger("dkim-verify")
    logging.basicConfig(stream=sys.stdout, level=logging.DEBUG, format="%(message)s")

    def lookup(name, timeout=5):
        key = name.decode("ascii") if isinstance(name, bytes) else name
        return keys.get(key.rstrip(".") + ".")

    if dkim.verify(data, logger=log, dnsfunc=lookup):
        print("pass")
        return 0
    print("fail")
    return 1


if __name__ == "__main__":
    sys.exit(main())
