import pytest
from datasets import Dataset, DatasetDict

from helpers.subsets import check_max_samples, take_subset


def splits(**sizes):
    return DatasetDict({name: Dataset.from_dict({"x": list(range(n))}) for name, n in sizes.items()})


def test_none_keeps_every_row():
    data = splits(train=5, test=3)
    assert take_subset(data, None) is data


def test_each_split_keeps_its_first_rows_up_to_the_cap():
    subset = take_subset(splits(train=5, test=3, unsupervised=0), 4)
    assert subset["train"]["x"] == [0, 1, 2, 3]
    assert subset["test"]["x"] == [0, 1, 2]  # a smaller split is kept whole
    assert len(subset["unsupervised"]) == 0


def test_a_single_split_can_be_cut_too():
    assert take_subset(Dataset.from_dict({"x": [7, 8, 9]}), 2)["x"] == [7, 8]


@pytest.mark.parametrize("bad", [0, -5, 2.5, "100", True])
def test_a_cap_that_is_not_a_positive_whole_number_is_rejected_with_the_parameter_name(bad):
    with pytest.raises(ValueError, match=r"MAX_SAMPLES must be a whole number of at least 1.*got"):
        take_subset(splits(train=2), bad)


def test_check_max_samples_passes_good_values_through():
    assert check_max_samples(None) is None and check_max_samples(1) == 1


def test_something_other_than_a_data_set_is_named_in_the_error():
    with pytest.raises(TypeError, match="not list"):
        take_subset([1, 2, 3], 2)
