"""The duplicate-detection evaluation's own logic, on small fixtures (no database)."""

import numpy as np

from bench import data as datasets
from bench import dupes
from bench.queue_threshold import cross_validated, precision_recall


def test_a_group_of_paraphrases_gives_every_pair_and_distractors_stay_alone(tmp_path, monkeypatch):
    (tmp_path / "clinc150_paraphrases.csv").write_text(
        "group,intent,text\ng,g,find my phone\ng,g,where is my phone\ng,g,locate my phone\n,oos,what is a black hole\n"
    )
    monkeypatch.setenv("DUPES_DIR", str(tmp_path))
    data = datasets.clinc150()
    assert len(data.texts) == 4 and data.pairs == [(0, 1), (0, 2), (1, 2)]
    assert (0, 1, {2}) in data.queries()


def test_a_sample_keeps_every_duplicate_pair_among_its_texts():
    data = datasets.DataSet("x", [(str(i), "") for i in range(6)], [(0, 1), (1, 2), (3, 4)])
    sample = data.sample(pairs=1, labelled=1, texts=6)
    assert sorted(sample.pairs) == sorted(data.pairs)


def test_channels_are_not_baselines_and_the_goal_is_checked():
    rows = {dupes.ENGINE: {"MRR": 0.55}, dupes.CHANNELS["semantic"]: {"MRR": 0.9}, "BM25": {"MRR": 0.4}}
    assert dupes.shortfalls({"meta": rows}) == []
    assert dupes.shortfalls({"meta": rows}, {"meta": 0.60}) == ["meta: engine MRR 0.550 < goal 0.60"]
    rows["BM25"]["MRR"] = 0.6
    assert dupes.shortfalls({"meta": rows})[0].startswith("meta: engine MRR 0.550 < BM25")


def test_precision_recall_and_held_out_threshold():
    scores, labels = np.array([0.9, 0.8, 0.3, 0.2] * 5), np.array([1, 1, 0, 0] * 5)
    assert precision_recall(scores, labels, 0.5) == (1.0, 1.0)
    assert all(threshold == 0.8 for threshold, _, _ in cross_validated(scores, labels))
