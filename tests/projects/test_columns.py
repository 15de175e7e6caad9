"""P3/P5: the 附件1 columns are defined once (projects.columns) and every other list is derived from them:
ProjectData, what a push needs, the push form, the API's write serializer, the Excel layout and the limits."""

import dataclasses
import io

import openpyxl
import pytest

from projects import columns, services
from projects.api import ProjectSerializer, ProjectWriteSerializer
from projects.columns import COLUMNS, DATA_COLUMNS, ENTRY_COLUMNS, PUSH_REQUIRED, ProjectData
from projects.forms import ProjectForm
from projects.ledger_export import export_ledger
from projects.models import Project
from tests.factories import create_project, project_data


def test_it_derives_project_data_from_the_columns_a_clerk_fills_in():
    fields = {f.name: f for f in dataclasses.fields(ProjectData)}
    required = [c.field for c in DATA_COLUMNS if c.required]
    assert list(fields) == required + [c.field for c in DATA_COLUMNS if not c.required]
    for column in DATA_COLUMNS:  # a column every project needs has no default
        assert (fields[column.field].default is dataclasses.MISSING) == column.required, column.field
    assert "unit" not in fields  # the unit is who pushes, not what is entered
    assert services.ProjectData is ProjectData  # still importable where the services use it


def test_it_derives_the_push_requirements_from_the_columns():
    assert services.PUSH_REQUIRED is PUSH_REQUIRED
    assert {c.field: c.display_name for c in COLUMNS if c.push_required} == PUSH_REQUIRED
    assert PUSH_REQUIRED["contract_total_wan"] == "合同总额"
    assert "remarks" not in PUSH_REQUIRED and "name" not in PUSH_REQUIRED  # name is needed by every draft


@pytest.mark.django_db
def test_it_builds_the_form_and_the_api_from_the_same_columns(dispatcher):
    form = ProjectForm(user=dispatcher)
    entry = [c.field for c in ENTRY_COLUMNS]
    assert list(form.fields) == entry
    serializer = ProjectWriteSerializer(context={"request": None})
    assert list(serializer.fields) == [*entry, "push"]
    for column in ENTRY_COLUMNS:
        assert form.fields[column.field].label == serializer.fields[column.field].label == column.form_label
        if column.field != "unit":  # the API lets a clerk leave out their own unit
            assert form.fields[column.field].required == serializer.fields[column.field].required, (
                column.field
            )
        if column.max_length:
            assert form.fields[column.field].max_length == column.max_length
            assert serializer.fields[column.field].max_length == column.max_length


def test_it_shows_every_column_in_the_api_with_a_label_for_each_choice():
    shown = set(ProjectSerializer().fields)
    for column in ENTRY_COLUMNS:
        assert (column.attr or column.field).split(".")[0] in shown, column.field
        if isinstance(column.kind, columns.Choice):
            assert f"{column.field}_display" in shown


@pytest.mark.django_db
def test_it_lays_out_the_excel_header_from_the_columns(zhujian):
    out = io.BytesIO()
    export_ledger(Project.objects.none(), out, viewer=zhujian)
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    assert ws.max_column == len(COLUMNS)
    for i, column in enumerate(COLUMNS, start=1):
        header = ws.cell(3, i).value if column.group else ws.cell(2, i).value
        assert header == column.label
        assert ws.column_dimensions[column.letter].width == column.width


@pytest.mark.django_db
def test_it_reads_a_saved_project_back_into_the_record_it_was_made_of(zhujian, units):
    street = units["李封街道办事处"]
    project = create_project(user=zhujian, street=street, push=True)
    entered = project_data(street=street, bidder_unit=zhujian.unit)
    assert ProjectData.from_project(Project.objects.get(pk=project.pk)) == entered


def test_the_factories_complete_record_fills_every_column_a_push_needs(units):
    data = project_data(street=units["李封街道办事处"], bidder_unit=units["区住房城乡建设局"])
    assert [f for f in PUSH_REQUIRED if getattr(data, f) in (None, "")] == []
