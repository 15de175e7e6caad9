"""C3 step 5: the Friday review's pages (clues.review_views), included under /clues/reviews/."""

from django.urls import path

from . import review_views

app_name = "reviews"
urlpatterns = [
    path("", review_views.review_list, name="review_list"),
    path("<int:pk>/", review_views.review_detail, name="review_detail"),
    path("<int:pk>/export/", review_views.review_export, name="review_export"),
]
