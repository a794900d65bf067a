from casandbox.server import main

main()
