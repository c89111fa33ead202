/*
 * H5P.CivicCheck 1.0: one question, a few options, one right answer.
 *
 * Params (content/content.json):
 *   question  plain text
 *   options   list of plain-text options
 *   correct   index of the right option (kept in memory, never in the page)
 *   feedback  {right: text, wrong: text}, both optional
 *   l10n      {check, right, wrong, retry}, labels in the content language
 *
 * Checking triggers a scored xAPI "answered" statement (score 0 or 1 of 1).
 * State for the player to save: {answer: index of the checked option, or null}.
 *
 * ES5, no build step, no requests of its own; needs only H5P core from the player.
 */
var H5P = H5P || {};

H5P.CivicCheck = (function ($, EventDispatcher) {
  'use strict';

  var DEFAULT_L10N = {
    check: 'Check',
    right: 'Correct!',
    wrong: 'Not quite.',
    retry: 'Try again'
  };
  var instances = 0;

  function text(value) {
    return typeof value === 'string' ? value : '';
  }

  function isIndex(value, length) {
    return typeof value === 'number' && value % 1 === 0 && value >= 0 && value < length;
  }

  function readState(previous, length) {
    var state = previous;
    if (typeof state === 'string') {
      try {
        state = JSON.parse(state);
      }
      catch (error) {
        return null;
      }
    }
    if (state && isIndex(state.answer, length)) {
      return state.answer;
    }
    return null;
  }

  /**
   * @param {Object} params Content parameters.
   * @param {number} contentId
   * @param {Object} [extras] From the player: previousState, metadata, ...
   */
  function CivicCheck(params, contentId, extras) {
    var i, label;

    EventDispatcher.call(this);
    params = params || {};
    extras = extras || {};

    this.contentId = contentId;
    this.extras = extras;
    this.question = text(params.question);
    this.options = [];
    if (params.options instanceof Array) {
      for (i = 0; i < params.options.length; i++) {
        this.options.push(text(params.options[i]));
      }
    }
    this.correct = isIndex(params.correct, this.options.length) ? params.correct : -1;
    this.feedback = {
      right: text(params.feedback && params.feedback.right),
      wrong: text(params.feedback && params.feedback.wrong)
    };
    this.l10n = {};
    for (label in DEFAULT_L10N) {
      if (DEFAULT_L10N.hasOwnProperty(label)) {
        this.l10n[label] = text(params.l10n && params.l10n[label]) || DEFAULT_L10N[label];
      }
    }

    instances += 1;
    this.id = 'h5p-civiccheck-' + (contentId || 0) + '-' + instances;
    this.answer = readState(extras.previousState, this.options.length);
    this.$container = null;
  }

  CivicCheck.prototype = Object.create(EventDispatcher.prototype);
  CivicCheck.prototype.constructor = CivicCheck;

  /**
   * Build the task in the given container (may be called again, e.g. on fullscreen).
   *
   * @param {jQuery} $container
   */
  CivicCheck.prototype.attach = function ($container) {
    var self = this;
    var $form, $fieldset, $list, i;

    self.$container = $container;
    $container.empty().addClass('h5p-civiccheck');

    $form = $('<form>', {'class': 'h5p-civiccheck-form', novalidate: 'novalidate'});
    $fieldset = $('<fieldset>', {'class': 'h5p-civiccheck-fieldset'});
    $('<legend>', {'class': 'h5p-civiccheck-question'}).text(self.question).appendTo($fieldset);

    $list = $('<div>', {'class': 'h5p-civiccheck-options'});
    for (i = 0; i < self.options.length; i++) {
      self.createOption(i).appendTo($list);
    }
    $list.appendTo($fieldset);
    $fieldset.appendTo($form);

    self.$feedback = $('<div>', {
      'class': 'h5p-civiccheck-feedback',
      role: 'status',
      'aria-live': 'polite',
      tabindex: '-1'
    }).appendTo($form);

    self.$buttons = $('<div>', {'class': 'h5p-civiccheck-buttons'}).appendTo($form);
    self.$check = $('<button>', {type: 'submit', 'class': 'h5p-civiccheck-button'})
      .text(self.l10n.check)
      .appendTo(self.$buttons);
    self.$retry = $('<button>', {
      type: 'button',
      'class': 'h5p-civiccheck-button h5p-civiccheck-retry'
    })
      .text(self.l10n.retry)
      .on('click', function () {
        self.resetTask();
        self.$container.find('input').first().trigger('focus');
      })
      .appendTo(self.$buttons);

    $form.on('submit', function (event) {
      event.preventDefault();
      self.check();
    });
    $form.appendTo($container);

    self.$fieldset = $fieldset;
    self.render();
  };

  /**
   * One option: a radio button and its label.
   *
   * @param {number} index
   * @return {jQuery}
   */
  CivicCheck.prototype.createOption = function (index) {
    var inputId = this.id + '-' + index;
    var $option = $('<div>', {'class': 'h5p-civiccheck-option'});
    $('<input>', {type: 'radio', name: this.id, id: inputId, value: String(index)})
      .appendTo($option);
    $('<label>', {'for': inputId}).text(this.options[index]).appendTo($option);
    return $option;
  };

  /**
   * Show the current state: open for an answer, or checked with its feedback.
   */
  CivicCheck.prototype.render = function () {
    var answered = this.answer !== null;
    var right = answered && this.answer === this.correct;
    var $inputs, $chosen, message;

    if (!this.$container) {
      return;
    }
    $inputs = this.$container.find('input[type="radio"]');
    $inputs.prop('disabled', answered);
    this.$container.find('.h5p-civiccheck-option')
      .removeClass('h5p-civiccheck-chosen-right h5p-civiccheck-chosen-wrong');

    if (answered) {
      $chosen = $inputs.eq(this.answer);
      $chosen.prop('checked', true);
      $chosen.parent().addClass(
        right ? 'h5p-civiccheck-chosen-right' : 'h5p-civiccheck-chosen-wrong'
      );
      message = right ? this.feedback.right : this.feedback.wrong;
      this.$feedback.empty()
        .removeClass('h5p-civiccheck-right h5p-civiccheck-wrong')
        .addClass(right ? 'h5p-civiccheck-right' : 'h5p-civiccheck-wrong')
        .append($('<strong>').text(right ? this.l10n.right : this.l10n.wrong));
      if (message) {
        this.$feedback.append($('<p>').text(message));
      }
      this.$feedback.prop('hidden', false);
    }
    else {
      $inputs.prop('checked', false);
      this.$feedback.empty().prop('hidden', true)
        .removeClass('h5p-civiccheck-right h5p-civiccheck-wrong');
    }
    this.$check.prop('hidden', answered);
    this.$retry.prop('hidden', !answered || right);
    this.trigger('resize');
  };

  /**
   * Check the chosen option, show feedback and report the result.
   */
  CivicCheck.prototype.check = function () {
    var $chosen, index, score;

    if (this.answer !== null || !this.$container) {
      return;
    }
    $chosen = this.$container.find('input[type="radio"]:checked');
    if (!$chosen.length) {
      this.$container.find('input[type="radio"]').first().trigger('focus');
      return;
    }
    index = parseInt($chosen.val(), 10);
    if (!isIndex(index, this.options.length)) {
      return;
    }
    this.answer = index;
    score = this.getScore();
    this.render();
    if (score === 1) {
      this.$feedback.trigger('focus');
    }
    else {
      this.$retry.trigger('focus');
    }
    this.triggerXAPIScored(score, 1, 'answered', true, score === 1);
  };

  /** @return {number} 1 for the right option checked, else 0. */
  CivicCheck.prototype.getScore = function () {
    return this.answer !== null && this.answer === this.correct ? 1 : 0;
  };

  /** @return {number} */
  CivicCheck.prototype.getMaxScore = function () {
    return 1;
  };

  /** @return {boolean} Whether an option has been checked. */
  CivicCheck.prototype.getAnswerGiven = function () {
    return this.answer !== null;
  };

  /** Back to an open question, nothing chosen. */
  CivicCheck.prototype.resetTask = function () {
    this.answer = null;
    this.render();
  };

  /** @return {{answer: (number|null)}} What the player saves for this learner. */
  CivicCheck.prototype.getCurrentState = function () {
    return {answer: this.answer};
  };

  return CivicCheck;
})(H5P.jQuery, H5P.EventDispatcher);
