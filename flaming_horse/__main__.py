from flaming_horse.cli.entry import run

run()
