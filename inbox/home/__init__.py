from inbox.home.routes import bp

__all__ = ["bp"]
