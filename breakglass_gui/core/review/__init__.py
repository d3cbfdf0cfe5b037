"""The post-incident review (SPEC §5.1): data from the journal, rendered by Jinja2 templates."""
