from iiv.cli import main

main()
