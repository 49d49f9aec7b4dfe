#!/usr/bin/python3
r"""A libmilter filter (Debian's python3-milter, which runs on libmilter's own engine) that records
every callback it gets, with the macros it can see, one line each, and answers as the
mail tells it to.

    recording-milter.py SOCKET RECORD_FILE

SOCKET is libmilter's spelling: inet:PORT@127.0.0.1 or unix:/absolute/path.

Record lines, one per callback, tab-separated fields in this order:
    conn=<n> session=<n> stage=<stage> verdict=<verdict> arg=<value>... macro:<name>=<value>...
with backslash, tab, CR and LF in values written as \\ \t \r \n. "conn" numbers the threads libmilter
ran the callbacks on (renumbered at each option negotiation; Debian's libmilter may hand a connection
to another thread between commands, so it is no reliable connection id); "session" numbers the SMTP
sessions (CONNECT callbacks), 0 before the first.
Stages: negotiate, connect, helo, mail, rcpt, data, header, eoh, body, eom, abort, close, unknown.

Verdicts: a token "<stage>-<verdict>" anywhere in the SMTP client's name (connect), the HELO name,
the sender, a recipient, a header value or the body makes the filter answer <verdict> at <stage>;
verdicts: continue accept reject tempfail discard replycode (550 5.7.1 via smfi_setreply).
"eom-quarantine", "eom-chgheader" and "eom-addheader" add a change at end of message (see
MODIFICATIONS). Tokens from the connect and HELO names last for the session; the others for the message. A
recipient's own rcpt-* token applies to that recipient only. Everything else answers CONTINUE, and
end of message answers ACCEPT unless RM_EOM=continue (opendkim answers ACCEPT there, as does this).

Environment: RM_MACROS adds macro names (space separated) to those recorded; RM_SYMLIST asks the MTA
for macro lists (SMFIR_SETSYMLIST), e.g. "connect={client_addr} j;mail={mail_addr}".
"""

import os
import re
import sys
import threading

import Milter

RECORDED_MACROS = (
    "j _ v i s {daemon_name} {daemon_addr} {daemon_port} {if_name} {if_addr} {client_addr} {client_name}"
    " {client_port} {client_ptr} {client_resolve} {auth_type} {auth_authen} {auth_author} {auth_ssf}"
    " {mail_addr} {mail_host} {mail_mailer} {rcpt_addr} {rcpt_host} {rcpt_mailer} {tls_version} {cipher}"
    " {cipher_bits} {cert_subject} {cert_issuer} {msg_id} {multiplexer} {mult_version}"
).split() + os.environ.get("RM_MACROS", "").split()

VERDICTS = {
    "continue": Milter.CONTINUE,
    "accept": Milter.ACCEPT,
    "reject": Milter.REJECT,
    "tempfail": Milter.TEMPFAIL,
    "discard": Milter.DISCARD,
    "replycode": Milter.REJECT,
}
# Changes at end of message, each asked for by a token "eom-<name>" (the verdict stays as it is):
MODIFICATIONS = {
    # smfi_quarantine
    "quarantine": lambda milter: milter.quarantine("held by recording-milter"),
    # smfi_chgheader of instance 1 of a header the message does not have (rspamd does this)
    "chgheader": lambda milter: milter.chgheader("X-Recording-Milter", 1, "changed"),
    # smfi_addheader folded with a bare LF, as libmilter documents it
    "addheader": lambda milter: milter.addheader("X-Recording-Folded", "first\n\tsecond"),
}
STAGES = ("connect", "helo", "mail", "rcpt", "data", "header", "eoh", "body", "eom", "unknown")
TOKEN = re.compile(r"\b(" + "|".join(STAGES) + r")-(" + "|".join(list(VERDICTS) + list(MODIFICATIONS)) + r")\b")
SYMLIST_STAGES = {
    "connect": Milter.M_CONNECT, "helo": Milter.M_HELO, "mail": Milter.M_ENVFROM,
    "rcpt": Milter.M_ENVRCPT, "data": Milter.M_DATA, "eoh": Milter.M_EOH, "eom": Milter.M_EOM,
}

_lock = threading.Lock()
_out = None
_counter = {"conn": 0, "session": 0}
_conn_of_thread = {}


def _next(kind):
    with _lock:
        _counter[kind] += 1
        return _counter[kind]


def _connection():
    """libmilter's connection: one thread serves one connection from negotiation to close."""
    ident = threading.get_ident()
    with _lock:
        if ident not in _conn_of_thread:
            _counter["conn"] += 1
            _conn_of_thread[ident] = _counter["conn"]
        return _conn_of_thread[ident]


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return str(value)


def _escape(value):
    return (_text(value).replace("\\", "\\\\").replace("\t", "\\t")
            .replace("\r", "\\r").replace("\n", "\\n"))


def _tokens(text):
    return {(stage, verdict) for stage, verdict in TOKEN.findall(_text(text))}


class RecordingMilter(Milter.Base):

    def __init__(self):
        self.session = 0
        self.session_tokens = set()
        self.message_tokens = set()

    def negotiate(self, opts):
        result = Milter.Base.negotiate(self, opts)
        for part in filter(None, os.environ.get("RM_SYMLIST", "").split(";")):
            stage, _, names = part.partition("=")
            # straight to the C module: Milter.Base.setsymlist of python3-milter 1.0.5 passes bytes, which it refuses
            self._ctx.setsymlist(SYMLIST_STAGES[stage.strip()], " ".join(names.split()))
        # a new connection (libmilter may run it on the thread of a finished one): a new number
        with _lock:
            _conn_of_thread.pop(threading.get_ident(), None)
        self.record("negotiate", [hex(opts[0]), hex(opts[1])], "continue", macros=False)
        return result

    def record(self, stage, args, verdict, macros=True):
        fields = ["conn=%d" % _connection(), "session=%d" % self.session, "stage=" + stage, "verdict=" + verdict]
        fields += ["arg=" + _escape(a) for a in args]
        if macros:
            for name in RECORDED_MACROS:
                value = self.getsymval(name)
                if value is not None:
                    fields.append("macro:" + name + "=" + _escape(value))
        with _lock:
            _out.write("\t".join(fields) + "\n")
            _out.flush()

    def answer(self, stage, args, tokens=()):
        verdict = os.environ.get("RM_EOM", "accept") if stage == "eom" else "continue"
        for token_stage, token_verdict in sorted(set(tokens) | self.session_tokens | self.message_tokens):
            if token_stage == stage and token_verdict in MODIFICATIONS:
                MODIFICATIONS[token_verdict](self)
            elif token_stage == stage:
                verdict = token_verdict
        if verdict == "replycode":
            self.setreply("550", "5.7.1", "Rejected by recording-milter at " + stage)
        self.record(stage, args, verdict)
        return VERDICTS[verdict]

    def connect(self, hostname, family, hostaddr):
        self.session = _next("session")
        self.session_tokens = _tokens(hostname)
        self.message_tokens = set()
        return self.answer("connect", [hostname, str(hostaddr)])

    def hello(self, heloname):
        self.session_tokens |= _tokens(heloname)
        return self.answer("helo", [heloname])

    def envfrom(self, sender, *params):
        self.message_tokens = _tokens(sender)
        return self.answer("mail", [sender] + list(params))

    def envrcpt(self, recipient, *params):
        own = _tokens(recipient)
        self.message_tokens |= {t for t in own if t[0] != "rcpt"}
        return self.answer("rcpt", [recipient] + list(params), own)

    def data(self):
        return self.answer("data", [])

    def header(self, name, value):
        self.message_tokens |= _tokens(value)
        return self.answer("header", [name, value])

    def eoh(self):
        return self.answer("eoh", [])

    def body(self, chunk):
        self.message_tokens |= _tokens(chunk)
        return self.answer("body", [str(len(chunk))])

    def eom(self):
        return self.answer("eom", [])

    def abort(self):
        self.message_tokens = set()
        self.record("abort", [], "continue")
        return Milter.CONTINUE

    def unknown(self, command):
        return self.answer("unknown", [command])

    def close(self):
        self.record("close", [], "continue", macros=False)
        return Milter.CONTINUE


def main():
    global _out
    if len(sys.argv) != 3:
        sys.exit("usage: recording-milter.py inet:PORT@127.0.0.1|unix:/path RECORD_FILE")
    socket, record_file = sys.argv[1], sys.argv[2]
    _out = open(record_file, "a", encoding="utf-8", errors="surrogateescape")
    Milter.factory = RecordingMilter
    Milter.runmilter("recording-milter", socket, 240)


if __name__ == "__main__":
    main()
