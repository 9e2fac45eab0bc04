"""``python manage.py purge_material_photos``: delete material photos past ``MATERIAL_PHOTO_RETENTION_DAYS``."""

from typing import Any

from django.core.management.base import BaseCommand

from uploads import services


class Command(BaseCommand):
    help = "删除已结束案件中超过保存期限（MATERIAL_PHOTO_RETENTION_DAYS）的材料照片。"

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = services.material_photos_purge()
        self.stdout.write(f"deleted {deleted} material photo(s) (retention {services.retention_days()} days)")
