# Hostile targets: stopping, signals, threads, exec, command line.
