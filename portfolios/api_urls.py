from django.urls import path

from .api_import import BookImportView

urlpatterns = [path("import/", BookImportView.as_view(), name="book-import")]
