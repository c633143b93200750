"""The `tracker` command's entry point (also `python -m tracker`)."""

import gc


def main() -> None:
    """Run the command line.

    Importing SQLAlchemy, SQLModel, pydantic and Typer makes hundreds of thousands of objects
    that live as long as the process. The garbage collector scanning them again and again was
    about a quarter of a short command such as `tracker status`, so they are imported with the
    collector off and then frozen: later collections skip them.
    """
    gc.disable()
    try:
        from tracker.cli import app
    finally:
        gc.freeze()
        gc.enable()
    app()


if __name__ == "__main__":
    main()
