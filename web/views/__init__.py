"""The pages, one module per area; each declares its routes with :func:`web.pages.route`.

Every module here is imported by the application factory (:func:`web.app.load_views`): adding a
page is adding a module (or a function to one), nothing else to register.
"""
