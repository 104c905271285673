from injuryhub.cli import main

main()
