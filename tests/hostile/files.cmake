# Hostile targets: mapped files, ELF and payload parsing, escapes.
