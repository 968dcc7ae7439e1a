from portscan.cli import run

run()
