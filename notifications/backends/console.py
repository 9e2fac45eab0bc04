"""Console backend: logs the masked number and the text (development default)."""

from __future__ import annotations

import logging

from core.masking import mask_phone
from notifications.backends.base import OutgoingSms, SmsBackend

logger = logging.getLogger("notifications.sms")


class ConsoleBackend(SmsBackend):
    def send(self, message: OutgoingSms) -> None:
        logger.info("SMS to %s [%s]: %s", mask_phone(message.to), message.message_id, message.text)
