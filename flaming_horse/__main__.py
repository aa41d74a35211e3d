from flaming_horse.cli.app import run

run()
