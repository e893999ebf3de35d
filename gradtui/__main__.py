from gradtui.launch import main

raise SystemExit(main())
