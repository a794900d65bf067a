from ordermanager.cli import main

main()
