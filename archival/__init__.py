"""The office's nightly records work as pure steps: archival copies, bags, fixity, 766 indicators."""
