from luka_bot.cli import main

raise SystemExit(main())
