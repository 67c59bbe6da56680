"""Flat anchor for jobs/bench category: hashed term frequencies + multinomial logistic regression.

Usage: flat_lr.py TRAIN.tsv TEST.tsv OUT.tsv
TRAIN.tsv rows: label<TAB>text; TEST.tsv rows: id<TAB>text; OUT.tsv rows: id<TAB>predicted label.
Prints "train_s=SECONDS" (vectorizing and fitting the training fold).
"""
import sys
import time

from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression


def read(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t", 1) for line in f]


def main(train_path, test_path, out_path):
    train = read(train_path)
    test = read(test_path)
    # 2^18 hashed unigram counts; alternate_sign off so a bucket is a plain term count.
    vec = HashingVectorizer(n_features=2 ** 18, alternate_sign=False, norm="l2")
    start = time.time()
    x = vec.transform([t for _, t in train])
    model = LogisticRegression(solver="saga", max_iter=100)
    model.fit(x, [label for label, _ in train])
    train_s = time.time() - start
    predicted = model.predict(vec.transform([t for _, t in test]))
    with open(out_path, "w", encoding="utf-8") as f:
        for (pid, _), label in zip(test, predicted):
            f.write(pid + "\t" + label + "\n")
    print("train_s=%.3f" % train_s)


if __name__ == "__main__":
    import warnings
    warnings.filterwarnings("ignore")
    main(*sys.argv[1:4])
