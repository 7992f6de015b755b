from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from care.portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="portal/login.html"),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.language, name="language"),
    path("couples/new/", views.couple_edit, name="couple_new"),
    path("couples/<int:pk>/", views.couple_detail, name="couple"),
    path("couples/<int:pk>/edit/", views.couple_edit, name="couple_edit"),
    path("couples/<int:pk>/provision/", views.provision_view, name="provision"),
    path("couples/<int:pk>/assign/", views.assign, name="assign"),
    path("couples/<int:pk>/sheets/", views.sheets, name="sheets"),
    path("couples/<int:pk>/read/", views.read_devices, name="read"),
    path("couples/<int:pk>/end/", views.end_loan, name="end_loan"),
    path("reports/<int:pk>/", views.report_view, name="report"),
    path("reports/<int:pk>/events.csv", views.report_csv, name="report_csv"),
    path("devices/", views.devices, name="devices"),
    path("audit/", views.audit, name="audit"),
    path("admin/", admin.site.urls),
]
