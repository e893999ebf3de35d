from gradtui.cli import main

raise SystemExit(main())
