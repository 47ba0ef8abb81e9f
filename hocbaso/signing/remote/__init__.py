"""Two-phase remote signing (a USB-token agent on the teacher's PC, a CA's cloud HSM).

`two_phase` prepares a document's digest and embeds the returned signature; `client` speaks the
batch HTTP contract of docs/remote-signing.md; `batch` joins them for many documents."""
