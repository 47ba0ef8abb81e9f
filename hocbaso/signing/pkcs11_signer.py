"""The PKCS#11 backend: a signing key on a token (USB token, HSM; SoftHSM2 in tests).

`Pkcs11Signer` opens **one** session on the token and logs in **once** with the PIN, then signs
any number of documents with it (a batch): use it as a context manager, or call `close()`.
The key is found by its label (or CKA_ID), the certificate by the key's CKA_ID (or a label).
RSA keys sign with CKM_SHA256_RSA_PKCS (PKCS#1 v1.5); ECDSA keys hash here and sign with the
raw CKM_ECDSA mechanism (SoftHSM2 has no hash-then-sign ECDSA), as pyHanko's own PKCS#11 signer.

Every token error comes out as `Pkcs11SigningError` (a pyHanko `SigningError`) with a Vietnamese
message: token not found, wrong PIN, PIN locked, key or certificate not found, token removed.
PKCS#11 login state is per process and token: while one `Pkcs11Signer` is open on a token, a
second one on the same token cannot check its PIN and is refused (never accepted unchecked).
The module path comes from the argument, else the Django setting ``SIGNING_PKCS11_MODULE``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import pkcs11
from cryptography import x509
from pkcs11 import Attribute, ObjectClass
from pkcs11 import exceptions as p11_errors
from pyhanko.sign.general import SigningError
from pyhanko.sign.pkcs11 import select_pkcs11_signing_params
from pyhanko_certvalidator.registry import SimpleCertificateStore

from hocbaso.signing.signers import DocumentSigner, to_asn1

DEFAULT_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
_lock = threading.Lock()  # guards loading the module and the set of open tokens
_open_tokens: set[tuple[str, str]] = set()


class Pkcs11SigningError(SigningError):
    """A token error, with a message for the user."""


def configured_module() -> str:
    from django.conf import settings  # noqa: PLC0415 — usable without Django

    if settings.configured:
        return str(getattr(settings, "SIGNING_PKCS11_MODULE", DEFAULT_MODULE))
    return DEFAULT_MODULE


def _token_absent(label: str) -> Pkcs11SigningError:
    return Pkcs11SigningError(
        f"Không tìm thấy thiết bị kí số (token) “{label}”. Hãy cắm token vào máy và thử lại."
    )


def translate_error(exc: Exception, *, token_label: str = "") -> Pkcs11SigningError:
    """The user's message for a PKCS#11 error."""
    if isinstance(exc, p11_errors.PinIncorrect | p11_errors.PinLenRange | p11_errors.PinInvalid):
        return Pkcs11SigningError(
            "Mã PIN không đúng. Lưu ý: nhập sai nhiều lần liên tiếp sẽ khóa token."
        )
    if isinstance(exc, p11_errors.PinLocked):
        return Pkcs11SigningError(
            "Mã PIN của token đã bị khóa do nhập sai quá nhiều lần. "
            "Hãy liên hệ đơn vị cấp chứng thư số để mở khóa."
        )
    if isinstance(exc, p11_errors.PinExpired):
        return Pkcs11SigningError("Mã PIN của token đã hết hạn; hãy đổi mã PIN rồi thử lại.")
    if isinstance(
        exc,
        p11_errors.NoSuchToken
        | p11_errors.TokenNotPresent
        | p11_errors.TokenNotRecognised
        | p11_errors.DeviceRemoved
        | p11_errors.SlotIDInvalid,
    ):
        return _token_absent(token_label)
    if isinstance(exc, p11_errors.SessionClosed | p11_errors.SessionHandleInvalid):
        return Pkcs11SigningError(
            "Phiên làm việc với token đã đóng (token bị rút ra?). Hãy mở lại và kí lại."
        )
    return Pkcs11SigningError(f"Lỗi thiết bị kí số (PKCS#11): {type(exc).__name__} {exc}".strip())


class Pkcs11Signer(DocumentSigner):
    """A signer on a PKCS#11 token: one session and one PIN login for many documents."""

    def __init__(
        self,
        *,
        token_label: str,
        pin: str,
        key_label: str | None = None,
        key_id: bytes | None = None,
        cert_label: str | None = None,
        chain: Sequence[x509.Certificate] = (),
        module_path: str | None = None,
    ) -> None:
        if key_label is None and key_id is None:
            raise ValueError("key_label or key_id is required")
        self.module_path = module_path or configured_module()
        self.token_label = token_label
        self._session: Any = None
        self._sign_lock = threading.Lock()
        self._claim = (self.module_path, token_label)
        with _lock:
            if self._claim in _open_tokens:
                raise Pkcs11SigningError(
                    f"Thiết bị kí số “{token_label}” đang được dùng cho một lượt kí khác; "
                    "hãy đợi lượt đó xong rồi thử lại."
                )
            session = self._open_session(pin)
            _open_tokens.add(self._claim)
        self._session = session
        try:
            self._key = self._find_key(key_label, key_id)
            self._cert = self._find_certificate(cert_label, key_id, key_label)
        except BaseException:
            self.close()
            raise
        registry = SimpleCertificateStore()
        registry.register_multiple([to_asn1(cert) for cert in chain])
        super().__init__(signing_cert=to_asn1(self._cert), cert_registry=registry)

    # -- opening ------------------------------------------------------------------------------

    def _open_session(self, pin: str) -> Any:
        try:
            lib = pkcs11.lib(self.module_path)
        except (OSError, RuntimeError) as exc:
            raise Pkcs11SigningError(
                f"Không nạp được thư viện PKCS#11 “{self.module_path}”: {exc}"
            ) from exc
        try:
            token = self._find_token(lib)
            return token.open(user_pin=pin)
        except p11_errors.UserAlreadyLoggedIn as exc:
            raise Pkcs11SigningError(
                f"Thiết bị kí số “{self.token_label}” đang được dùng cho một lượt kí khác; "
                "hãy đợi lượt đó xong rồi thử lại."
            ) from exc
        except p11_errors.MultipleTokensReturned as exc:
            raise Pkcs11SigningError(
                f"Có nhiều thiết bị kí số cùng nhãn “{self.token_label}”; chỉ cắm một token."
            ) from exc
        except p11_errors.PKCS11Error as exc:
            raise translate_error(exc, token_label=self.token_label) from exc

    def _find_token(self, lib: Any) -> Any:
        try:
            return lib.get_token(token_label=self.token_label)
        except p11_errors.NoSuchToken:
            if any(claim[0] == self.module_path for claim in _open_tokens):
                raise
        # A token initialised or plugged in after the module was loaded: rescan once, which is
        # safe only while no session of this module is open in the process.
        lib.reinitialize()
        return lib.get_token(token_label=self.token_label)

    def _find_key(self, label: str | None, key_id: bytes | None) -> Any:
        query: dict[str, Any] = {"object_class": ObjectClass.PRIVATE_KEY}
        if label is not None:
            query["label"] = label
        if key_id is not None:
            query["id"] = key_id
        try:
            return self._session.get_key(**query)
        except p11_errors.NoSuchKey as exc:
            raise Pkcs11SigningError(
                f"Không tìm thấy khóa bí mật “{label or key_id!r}” trên thiết bị kí số "
                f"“{self.token_label}”."
            ) from exc
        except p11_errors.MultipleObjectsReturned as exc:
            raise Pkcs11SigningError(
                f"Có nhiều khóa bí mật khớp “{label or key_id!r}” trên token; hãy chỉ rõ mã khóa."
            ) from exc
        except p11_errors.PKCS11Error as exc:
            raise translate_error(exc, token_label=self.token_label) from exc

    def _find_certificate(
        self, cert_label: str | None, key_id: bytes | None, key_label: str | None
    ) -> x509.Certificate:
        query: dict[Attribute, Any] = {Attribute.CLASS: ObjectClass.CERTIFICATE}
        if cert_label is not None:
            query[Attribute.LABEL] = cert_label
        else:
            try:
                wanted_id = key_id if key_id is not None else self._key[Attribute.ID]
            except p11_errors.PKCS11Error:
                wanted_id = b""
            if wanted_id:
                query[Attribute.ID] = wanted_id
            else:
                query[Attribute.LABEL] = key_label
        try:
            found = [obj[Attribute.VALUE] for obj in self._session.get_objects(query)]
        except p11_errors.PKCS11Error as exc:
            raise translate_error(exc, token_label=self.token_label) from exc
        if len(found) != 1:
            raise Pkcs11SigningError(
                f"Không tìm thấy chứng thư số của khóa trên thiết bị kí số “{self.token_label}”."
                if not found
                else "Có nhiều chứng thư số khớp trên token; hãy chỉ rõ nhãn chứng thư."
            )
        return x509.load_der_x509_certificate(bytes(found[0]))

    # -- signing ------------------------------------------------------------------------------

    @property
    def certificate(self) -> x509.Certificate:
        return self._cert

    @property
    def is_open(self) -> bool:
        return self._session is not None

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if dry_run:
            return bytes(512)
        return self.sign_raw(data, digest_algorithm)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        if self._session is None:
            raise Pkcs11SigningError("Phiên kí với token đã đóng; hãy mở lại và nhập mã PIN.")
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        spec = select_pkcs11_signing_params(
            mechanism,
            digest_algorithm.lower(),
            use_raw_mechanism=mechanism.signature_algo == "ecdsa",
            sign_kwargs={},
        )
        if spec.pre_sign_transform is not None:
            data = spec.pre_sign_transform(data)
        with self._sign_lock:
            try:
                signature = bytes(self._key.sign(data, **spec.sign_kwargs))
            except p11_errors.PKCS11Error as exc:
                raise translate_error(exc, token_label=self.token_label) from exc
        if spec.post_sign_transform is not None:
            signature = spec.post_sign_transform(signature)
        return signature

    # -- closing ------------------------------------------------------------------------------

    def close(self) -> None:
        """Log out and close the session (idempotent)."""
        session, self._session = self._session, None
        if session is not None:
            with contextlib.suppress(p11_errors.PKCS11Error):  # a removed token
                session.close()
        with _lock:
            _open_tokens.discard(self._claim)

    def __enter__(self) -> Pkcs11Signer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
