"""Reusable widgets: banners, the activity panel, the account picker, the drill panel."""
