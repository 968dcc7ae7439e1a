from portscan.cli import main

raise SystemExit(main())
